CREATE TABLE "pricing_thinking_allowance" (
	"model" text NOT NULL,
	"effort" text NOT NULL,
	"allowance_tokens" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pricing_thinking_allowance_model_effort_pk" PRIMARY KEY("model","effort"),
	CONSTRAINT "pricing_thinking_allowance_positive" CHECK ("pricing_thinking_allowance"."allowance_tokens" > 0)
);
