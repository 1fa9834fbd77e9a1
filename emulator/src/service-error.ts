/**
 * An error as the AWS front end returns it: HTTP status, error type (`x-amzn-errortype` and
 * `__type`), message (`message` in restJson1; `<Message>` in awsQuery), plus the emulator's
 * precise reason (sent in a separate header, never in the message, so the message stays the
 * real service's text).
 */
export class ServiceError extends Error {
  readonly status: number;
  readonly type: string;
  readonly reason: string | undefined;

  constructor(status: number, type: string, message: string, reason?: string) {
    super(message);
    this.name = 'ServiceError';
    this.status = status;
    this.type = type;
    this.reason = reason;
  }
}

export const accessDenied = (message: string, reason?: string): ServiceError => new ServiceError(403, 'AccessDeniedException', message, reason);

export const notFound = (message: string, reason?: string): ServiceError => new ServiceError(404, 'ResourceNotFoundException', message, reason);

export const validation = (message: string, reason?: string): ServiceError => new ServiceError(400, 'ValidationException', message, reason);

/**
 * Text of a request value for a message. Objects from a JSON body are shown as JSON: String() of
 * `{"toString": 1}` throws, and both String() and JSON.stringify overflow the stack on arrays
 * nested 100,000 deep (a 1 MB body can hold that), which must be a 400, not a 500.
 */
function shownValue(value: unknown): string {
  if (typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Array.isArray(value) ? '[array]' : '[object]';
  }
}

/** Smithy's constraint-violation text, e.g. `1 validation error detected: Value '50000' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200`. */
export function constraintViolation(member: string, value: unknown, constraint: string, reason?: string): ServiceError {
  const shown = value === undefined || value === null ? 'null' : `'${shownValue(value).slice(0, 200)}'`;
  return validation(`1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`, reason ?? 'validation');
}
