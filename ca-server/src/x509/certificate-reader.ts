export { decodeCertificate } from '../../../common/src/x509/certificate.js'; // re-export: remove when store/rotation/sync/backup switch
