CREATE TABLE "jobs" (
	"job_id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"tier" text NOT NULL,
	"budgets" text[] DEFAULT '{}'::text[] NOT NULL,
	"private" boolean DEFAULT false NOT NULL,
	"priority" integer,
	"payload" jsonb,
	"parent_id" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"waiting_budget" text,
	"wait_until" timestamp with time zone,
	"route" jsonb,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "results" (
	"job_id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"model" text NOT NULL,
	"output_text" text NOT NULL,
	"output_json" jsonb,
	"cost_micros" bigint NOT NULL,
	"calls" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "jobs_status_idx" ON "jobs" USING btree ("status");--> statement-breakpoint
CREATE INDEX "jobs_waiting_budget_idx" ON "jobs" USING btree ("waiting_budget") WHERE "jobs"."status" = 'waiting_budget';--> statement-breakpoint
CREATE INDEX "jobs_finished_idx" ON "jobs" USING btree ("finished_at");--> statement-breakpoint
CREATE INDEX "jobs_parent_idx" ON "jobs" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "results_created_idx" ON "results" USING btree ("created_at");