CREATE TABLE "budget_alerts" (
	"id" serial PRIMARY KEY NOT NULL,
	"budget_id" integer NOT NULL,
	"budget_name" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"threshold" integer NOT NULL,
	"spent_micros" bigint NOT NULL,
	"limit_micros" bigint NOT NULL,
	"hard" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivery" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	"last_error" text,
	"acknowledged_at" timestamp with time zone,
	CONSTRAINT "budget_alerts_once" UNIQUE("budget_id","period_start","threshold"),
	CONSTRAINT "budget_alerts_delivery_known" CHECK ("budget_alerts"."delivery" in ('pending', 'delivered', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "ledger_charges" DROP CONSTRAINT "ledger_charges_budget_id_budgets_id_fk";
--> statement-breakpoint
ALTER TABLE "budget_periods" ADD COLUMN "refused_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "budget_periods" ADD COLUMN "exhausted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ledger" ADD COLUMN "closed_stale" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "budget_alerts" ADD CONSTRAINT "budget_alerts_budget_id_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."budgets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "budget_alerts_pending_idx" ON "budget_alerts" USING btree ("next_attempt_at") WHERE "budget_alerts"."delivery" = 'pending';--> statement-breakpoint
ALTER TABLE "ledger_charges" ADD CONSTRAINT "ledger_charges_budget_id_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."budgets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_scope_known" CHECK ("budgets"."scope" = 'named' or "budgets"."scope" = 'global' or "budgets"."scope" like 'kind:_%');