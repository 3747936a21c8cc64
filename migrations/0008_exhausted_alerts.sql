ALTER TABLE "budget_alerts" ADD COLUMN "kind" text DEFAULT 'threshold' NOT NULL;--> statement-breakpoint
ALTER TABLE "budget_alerts" ADD CONSTRAINT "budget_alerts_kind_known" CHECK ("budget_alerts"."kind" in ('threshold', 'exhausted'));
