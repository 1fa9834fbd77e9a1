/** Entry point for the CLI: the audit log's hash chain, which `rapki audit verify` checks (no store code). */
export { AUDIT_GENESIS_HASH, verifyAuditChain, type AuditRecord } from '../authority/audit-chain.js';
