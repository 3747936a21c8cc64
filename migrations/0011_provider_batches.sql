ALTER TABLE "jobs" ADD COLUMN "deadline" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "late" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "budgets" ADD COLUMN "default_deadline_seconds" integer;--> statement-breakpoint
ALTER TABLE "ledger" ADD COLUMN "mode" text DEFAULT 'sync' NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger" ADD COLUMN "provider_batch_id" uuid;--> statement-breakpoint
CREATE TABLE "provider_batches" (
	"id" uuid PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"provider_model_id" text NOT NULL,
	"state" text DEFAULT 'submitting' NOT NULL,
	"vendor_batch_id" text,
	"vendor_status" text,
	"input_file_id" text,
	"output_file_id" text,
	"error_file_id" text,
	"completion_window" text NOT NULL,
	"request_count" integer NOT NULL,
	"completed_count" integer,
	"failed_count" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"submitted_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"lease_until" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_owner" text,
	"cancel_requested" boolean DEFAULT false NOT NULL,
	"error" text,
	CONSTRAINT "provider_batches_state_known" CHECK ("provider_batches"."state" in ('submitting', 'submitted', 'downloaded', 'collected', 'abandoned'))
);
--> statement-breakpoint
CREATE TABLE "provider_batch_calls" (
	"call_id" uuid PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"provider_batch_id" uuid,
	"body" jsonb NOT NULL,
	"completion_window" text NOT NULL,
	"window_ms" bigint NOT NULL,
	"state" text DEFAULT 'collecting' NOT NULL,
	"outcome" text,
	"line" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stored_at" timestamp with time zone,
	"settled_at" timestamp with time zone,
	CONSTRAINT "provider_batch_calls_state_known" CHECK ("provider_batch_calls"."state" in ('collecting', 'submitted', 'stored', 'settled', 'dropped')),
	CONSTRAINT "provider_batch_calls_outcome_known" CHECK ("provider_batch_calls"."outcome" is null or "provider_batch_calls"."outcome" in ('succeeded', 'bad_request', 'fallback'))
);
--> statement-breakpoint
ALTER TABLE "provider_batch_calls" ADD CONSTRAINT "provider_batch_calls_batch_fk" FOREIGN KEY ("provider_batch_id") REFERENCES "public"."provider_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "provider_batch_calls_batch_idx" ON "provider_batch_calls" USING btree ("provider_batch_id");--> statement-breakpoint
CREATE INDEX "provider_batch_calls_collecting_idx" ON "provider_batch_calls" USING btree ("provider","model","created_at") WHERE "provider_batch_calls"."state" = 'collecting';--> statement-breakpoint
CREATE INDEX "provider_batch_calls_job_idx" ON "provider_batch_calls" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "provider_batches_open_idx" ON "provider_batches" USING btree ("lease_until") WHERE "provider_batches"."state" in ('submitting', 'submitted', 'downloaded');--> statement-breakpoint
CREATE INDEX "ledger_provider_batch_idx" ON "ledger" USING btree ("provider_batch_id") WHERE "ledger"."provider_batch_id" is not null;
