import { parseJobSpec, type JobSpec } from '../../src/jobs/job-spec.js';
import { TIERS } from '../../src/pricing/types.js';
import { documents } from './documents.js';

const VENDORS = ['Northwind Traders', 'Contoso Ltd', 'Fabrikam Inc', 'Tailspin Toys', 'Adventure Works', 'Wide World Importers'];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'];
const TICKETS = [
  'I was charged twice for my subscription this month and need a refund for the second payment.',
  'The export button crashes the app every time I try to save a report as PDF.',
  'Could you add a dark mode to the dashboard? My team works late and the white screen hurts.',
  'I cannot log in after changing my email address; the reset link says my account does not exist.',
  'Where can I find your office opening hours during the holidays?',
  'The invoice I received lists the wrong VAT number for our company.',
  'Search results take more than a minute to load since yesterday’s update.',
  'Please support single sign-on with our identity provider for the whole organisation.',
];
const LABELS = ['billing', 'bug', 'feature request', 'account', 'other'];
const INVOICE_SCHEMA = {
  type: 'object',
  properties: {
    vendor: { type: 'string' },
    invoiceNumber: { type: 'string' },
    total: { type: 'number' },
    currency: { type: 'string', enum: CURRENCIES },
  },
  required: ['vendor', 'invoiceNumber', 'total', 'currency'],
  additionalProperties: false,
};

/**
 * The reference mixed workload of the cost comparison: 60 summaries of 1.5 KB documents, 60
 * invoice extractions and 60 ticket classifications, each kind spread evenly over the four
 * tiers. Deterministic, so every run prices the same work. With `deadline` (`24h`), every job
 * may be routed to a vendor's batch API.
 */
export function referenceWorkload(budgets: string[] = [], deadline?: string): JobSpec[] {
  const specs: JobSpec[] = [];
  const docs = documents(60, 1_536, 'ref-');
  for (let i = 0; i < 60; i++) {
    const tier = TIERS[i % TIERS.length]!;
    specs.push(parseJobSpec({ kind: 'summarize', tier, payload: { text: docs[i]!, maxWords: 100 }, budgets }));
    const vendor = VENDORS[i % VENDORS.length]!;
    const currency = CURRENCIES[i % CURRENCIES.length]!;
    const total = ((i * 7_919) % 500_000) / 100 + 10;
    const invoice = `Invoice INV-${1_000 + i} from ${vendor}, issued on 2026-0${(i % 9) + 1}-1${i % 10}. ${3 + (i % 12)} items delivered to our Berlin office. Total due: ${total.toFixed(2)} ${currency}, payable within 30 days. Questions: billing@${vendor.toLowerCase().replace(/[^a-z]+/g, '')}.example.`;
    specs.push(parseJobSpec({ kind: 'extract', tier, payload: { text: invoice, schema: INVOICE_SCHEMA, maxTokens: 200 }, budgets }));
    const ticket = `${TICKETS[i % TICKETS.length]!} (ticket #${20_000 + i})`;
    specs.push(parseJobSpec({ kind: 'classify', tier, payload: { text: ticket, labels: LABELS }, budgets }));
  }
  return deadline === undefined ? specs : specs.map((spec) => ({ ...spec, deadline: parseJobSpec({ kind: spec.kind, payload: spec.payload, deadline }).deadline! }));
}
