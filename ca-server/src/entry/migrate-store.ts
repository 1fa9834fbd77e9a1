/** Entry point for the CLI: `rapki ca migrate-store`, a SQLite CA copied into PostgreSQL. Load it lazily (it carries pg). */
export { migrateToPg } from '../store/migrate-to-pg.js';
