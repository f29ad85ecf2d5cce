-- Reminders (src/domain/reminders.ts): one row per due moment claimed. The key is unique, and
-- the claim is inserted in the same statement as the Slack messages it sends
-- (src/store/reminders.ts): exactly one instance sends each reminder.

-- CreateTable
CREATE TABLE "reminder_claims" (
    "key" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "n" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "screening_id" UUID,
    "due_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "reminder_claims_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "reminder_claims_subject_idx" ON "reminder_claims"("subject");
