export { writeFileAtomicSync as writeFileAtomic0600 } from '../../../common/src/fs/atomic-write.js'; // re-export: remove when store/rotation/sync/backup switch
