export { derToPem, pemToDer } from '../../../common/src/x509/pem.js'; // re-export: remove when store/rotation/sync/backup switch
export { sha256Fingerprint as fingerprintSha256 } from '../../../common/src/x509/fingerprint.js'; // re-export: remove when store/rotation/sync/backup switch
