export { newSerial } from '../../../common/src/x509/serial.js'; // re-export: remove when store/rotation/sync/backup switch
