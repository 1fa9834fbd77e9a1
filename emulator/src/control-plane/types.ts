/** The narrow seam between the HTTP router and the control-plane operations. */
import type { EmulatorContext } from '../context.js';
import type { Json } from './validate.js';

export interface CpRequest {
  /** Path labels, decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  body: Json;
  /** ARN of the authenticated caller (for `createdBy`). */
  callerArn: string;
}

export interface CpResponse {
  status: number;
  body: unknown;
}

export type CpHandler = (ctx: EmulatorContext, req: CpRequest) => CpResponse;
