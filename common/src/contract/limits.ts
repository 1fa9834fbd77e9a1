/** Sizes and page limits of the CA's HTTP API (docs/ca-api.md), for the server and the client alike. */

/** A PEM CSR in `POST /v1/enroll` and `/v1/renew`. */
export const CSR_MAX_CHARS = 16 * 1024;
/** An enrollment token. */
export const ENROLL_TOKEN_MAX_CHARS = 200;
/** `GET /v1/admin/certificates`: default and largest `limit`. */
export const CERTIFICATES_PAGE = { default: 100, max: 500 } as const;
/** `GET /v1/admin/audit`: default and largest `limit`. */
export const AUDIT_PAGE = { default: 500, max: 1000 } as const;
