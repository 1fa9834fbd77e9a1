export { crlToPem } from '../../../common/src/x509/crl.js'; // re-export: remove when store/rotation/sync/backup switch
