import type { Kind } from '../pricing/types.js';
import { classify } from './classify.js';
import { extract } from './extract.js';
import type { JobKind } from './job-kind.js';
import { report } from './report.js';
import { summarize } from './summarize.js';

export type { JobKind, JobOutput, OutputCap, OutputCheck, Prompt } from './job-kind.js';

/** Every job kind, by name. */
export const JOB_KINDS: { [K in Kind]: JobKind<unknown> } = {
  summarize: summarize as JobKind<unknown>,
  extract: extract as JobKind<unknown>,
  classify: classify as JobKind<unknown>,
  report: report as JobKind<unknown>,
};
