CREATE TABLE "reports" (
	"id" serial PRIMARY KEY NOT NULL,
	"day" date NOT NULL,
	"tz" text NOT NULL,
	"title" text NOT NULL,
	"figures" jsonb NOT NULL,
	"markdown" text NOT NULL,
	"chart_svg" text NOT NULL,
	"summary_job_id" text,
	"summary_cost_micros" bigint DEFAULT 0 NOT NULL,
	"file_path" text,
	"trigger" text DEFAULT 'manual' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reports_day_tz" UNIQUE("day","tz")
);
--> statement-breakpoint
CREATE INDEX "reports_created_idx" ON "reports" USING btree ("created_at");