-- Re-screening before renewal (src/domain/rescreening.ts): when a cleared or approved screening
-- must be reviewed again, and the link from a re-screening to the screening it renews. Both
-- columns are new and nullable: instances of the previous release keep working beside it.

-- AlterTable
ALTER TABLE "screenings" ADD COLUMN     "previous_screening_id" UUID,
ADD COLUMN     "review_due_at" TIMESTAMP(3);

-- CreateIndex: a screening is re-screened at most once, however many people click at once
CREATE UNIQUE INDEX "screenings_previous_screening_id_key" ON "screenings"("previous_screening_id");

-- CreateIndex
CREATE INDEX "screenings_review_due_at_idx" ON "screenings"("review_due_at");

-- AddForeignKey
ALTER TABLE "screenings" ADD CONSTRAINT "screenings_previous_screening_id_fkey" FOREIGN KEY ("previous_screening_id") REFERENCES "screenings"("id") ON DELETE SET NULL ON UPDATE CASCADE;
