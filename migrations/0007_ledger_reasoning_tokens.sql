ALTER TABLE "ledger" ADD COLUMN "reasoning_tokens" integer;--> statement-breakpoint
-- Calls settled before the column existed reported no reasoning tokens (no adapter read them yet).
UPDATE "ledger" SET "reasoning_tokens" = 0 WHERE "status" <> 'reserved' AND "act_output_tokens" IS NOT NULL;
