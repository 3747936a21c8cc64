CREATE TABLE "pricing_calibration" (
	"model" text PRIMARY KEY NOT NULL,
	"samples" integer DEFAULT 0 NOT NULL,
	"estimated_tokens" double precision DEFAULT 0 NOT NULL,
	"reported_tokens" double precision DEFAULT 0 NOT NULL,
	"max_ratio" double precision DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pricing_calibration_nonnegative" CHECK ("pricing_calibration"."samples" >= 0 and "pricing_calibration"."estimated_tokens" >= 0 and "pricing_calibration"."reported_tokens" >= 0 and "pricing_calibration"."max_ratio" >= 0)
);
