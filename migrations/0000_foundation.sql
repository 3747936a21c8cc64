CREATE TABLE "budget_periods" (
	"budget_id" integer NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone,
	"spent_micros" bigint DEFAULT 0 NOT NULL,
	"reserved_micros" bigint DEFAULT 0 NOT NULL,
	"overrun_count" integer DEFAULT 0 NOT NULL,
	"overrun_micros" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "budget_periods_budget_id_period_start_pk" PRIMARY KEY("budget_id","period_start"),
	CONSTRAINT "budget_periods_nonnegative" CHECK ("budget_periods"."spent_micros" >= 0 and "budget_periods"."reserved_micros" >= 0)
);
--> statement-breakpoint
CREATE TABLE "budgets" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"limit_micros" bigint NOT NULL,
	"period" text NOT NULL,
	"tz" text DEFAULT 'UTC' NOT NULL,
	"hard" boolean DEFAULT true NOT NULL,
	"thresholds" integer[] DEFAULT '{50,80,100}'::integer[] NOT NULL,
	"scope" text DEFAULT 'named' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budgets_name_unique" UNIQUE("name"),
	CONSTRAINT "budgets_limit_nonnegative" CHECK ("budgets"."limit_micros" >= 0),
	CONSTRAINT "budgets_period_known" CHECK ("budgets"."period" in ('day', 'week', 'month', 'total'))
);
--> statement-breakpoint
CREATE TABLE "ledger" (
	"call_id" uuid PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"seq" integer DEFAULT 0 NOT NULL,
	"kind" text NOT NULL,
	"model" text NOT NULL,
	"provider" text NOT NULL,
	"est_input_tokens" integer DEFAULT 0 NOT NULL,
	"est_output_tokens" integer DEFAULT 0 NOT NULL,
	"est_cost_micros" bigint DEFAULT 0 NOT NULL,
	"act_input_tokens" integer,
	"act_cached_input_tokens" integer,
	"act_output_tokens" integer,
	"reserved_micros" bigint NOT NULL,
	"cost_micros" bigint,
	"status" text DEFAULT 'reserved' NOT NULL,
	"overrun" boolean DEFAULT false NOT NULL,
	"usage_estimated" boolean DEFAULT false NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	"error" text,
	CONSTRAINT "ledger_status_known" CHECK ("ledger"."status" in ('reserved', 'settled', 'released', 'closed_as_spent'))
);
--> statement-breakpoint
CREATE TABLE "ledger_charges" (
	"call_id" uuid NOT NULL,
	"budget_id" integer NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	CONSTRAINT "ledger_charges_call_id_budget_id_pk" PRIMARY KEY("call_id","budget_id")
);
--> statement-breakpoint
ALTER TABLE "budget_periods" ADD CONSTRAINT "budget_periods_budget_id_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."budgets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_charges" ADD CONSTRAINT "ledger_charges_call_id_ledger_call_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."ledger"("call_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_charges" ADD CONSTRAINT "ledger_charges_budget_id_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."budgets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ledger_job_idx" ON "ledger" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "ledger_open_idx" ON "ledger" USING btree ("started_at") WHERE "ledger"."status" = 'reserved';--> statement-breakpoint
CREATE INDEX "ledger_kind_model_idx" ON "ledger" USING btree ("kind","model","settled_at");--> statement-breakpoint
CREATE INDEX "ledger_charges_budget_idx" ON "ledger_charges" USING btree ("budget_id","period_start");