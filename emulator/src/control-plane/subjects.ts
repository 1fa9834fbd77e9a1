/** ListSubjects / GetSubject: identities seen by CreateSession, with last-seen times. */
import { notFound } from '../service-error.js';
import { paginate } from './pagination.js';
import { renderSubjectDetail, renderSubjectSummary } from './render.js';
import type { CpHandler } from './types.js';

export const listSubjects: CpHandler = (ctx, req) => {
  const { page, nextToken } = paginate('subjects', ctx.store.state.subjects, req.query);
  return { status: 200, body: { subjects: page.map(renderSubjectSummary), ...(nextToken ? { nextToken } : {}) } };
};

export const getSubject: CpHandler = (ctx, req) => {
  const s = ctx.store.state.subjects.find((x) => x.subjectId === req.params.id);
  if (!s) throw notFound('Subject not found', 'subject_not_found');
  return { status: 200, body: { subject: renderSubjectDetail(s) } };
};
