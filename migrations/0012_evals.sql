ALTER TABLE "ledger" ADD COLUMN "purpose" text DEFAULT 'job' NOT NULL;
--> statement-breakpoint
ALTER TABLE "ledger" ADD CONSTRAINT "ledger_purpose_known" CHECK ("ledger"."purpose" in ('job', 'eval', 'judge'));
--> statement-breakpoint
CREATE TABLE "eval_runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"reference" text NOT NULL,
	"models" text[] NOT NULL,
	"params" jsonb NOT NULL,
	"summary" jsonb,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "eval_items" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" integer NOT NULL,
	"job_id" text NOT NULL,
	"kind" text NOT NULL,
	"model" text NOT NULL,
	"reasoning" text DEFAULT '' NOT NULL,
	"reference" text NOT NULL,
	"judge" text,
	"agree" boolean NOT NULL,
	"flip" boolean DEFAULT false NOT NULL,
	"field_agreement" double precision,
	"reason" text NOT NULL,
	"answer" text,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "eval_items_once" UNIQUE("run_id","model","job_id")
);
--> statement-breakpoint
ALTER TABLE "eval_items" ADD CONSTRAINT "eval_items_run_id_eval_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."eval_runs"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "eval_items_evidence_idx" ON "eval_items" USING btree ("model","kind","reasoning","created_at");
--> statement-breakpoint
CREATE TABLE "learned_ratings" (
	"model" text NOT NULL,
	"kind" text NOT NULL,
	"rating" text NOT NULL,
	"catalog_rating" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "learned_ratings_model_kind_pk" PRIMARY KEY("model","kind"),
	CONSTRAINT "learned_ratings_rating_known" CHECK ("learned_ratings"."rating" in ('none', 'basic', 'standard', 'advanced', 'premium'))
);
