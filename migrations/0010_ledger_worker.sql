-- The worker process that reserved a call. Filled by the column default from the connection's
-- `frugal.worker_id` setting (each worker's pool sets it), so the ledger's write path needs no
-- new parameter; rows written before this migration and by other processes stay null.
ALTER TABLE "ledger" ADD COLUMN "worker_id" text DEFAULT nullif(current_setting('frugal.worker_id', true), '');
