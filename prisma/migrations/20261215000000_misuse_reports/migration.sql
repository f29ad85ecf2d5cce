-- Misuse reports (/screening report, the "Report misuse" message shortcut): each report with its
-- status and what compliance did with it, and the counter of their references MR-YYYY-NNNN.
-- CreateTable
CREATE TABLE "misuse_reports" (
    "id" UUID NOT NULL,
    "reference" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "anonymous" BOOLEAN NOT NULL,
    "reporter_id" TEXT,
    "team_id" TEXT,
    "item" TEXT NOT NULL,
    "parties" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "happened" TEXT NOT NULL,
    "evidence" JSONB NOT NULL DEFAULT '[]',
    "screening_id" UUID,
    "source_channel_id" TEXT,
    "source_message_ts" TEXT,
    "channel_id" TEXT NOT NULL,
    "message_ts" TEXT,
    "acknowledged_by" TEXT,
    "acknowledged_at" TIMESTAMP(3),
    "reassessment_by" TEXT,
    "reassessment_at" TIMESTAMP(3),
    "reviewed" JSONB,
    "closed_by" TEXT,
    "closed_at" TIMESTAMP(3),
    "close_rationale" TEXT,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "misuse_reports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "misuse_report_counters" (
    "year" INTEGER NOT NULL,
    "last" INTEGER NOT NULL,

    CONSTRAINT "misuse_report_counters_pkey" PRIMARY KEY ("year")
);

-- CreateIndex
CREATE UNIQUE INDEX "misuse_reports_reference_key" ON "misuse_reports"("reference");

-- CreateIndex
CREATE INDEX "misuse_reports_status_idx" ON "misuse_reports"("status");

-- CreateIndex
CREATE INDEX "misuse_reports_screening_id_idx" ON "misuse_reports"("screening_id");


-- An anonymous report keeps no reporter: who sent it is only in the audit trail (the restricted
-- part of its report.created event). The database refuses a row that would say otherwise.
ALTER TABLE "misuse_reports" ADD CONSTRAINT "misuse_reports_anonymous_no_reporter" CHECK (NOT "anonymous" OR "reporter_id" IS NULL);
