-- AlterTable
ALTER TABLE "screenings" ADD COLUMN     "drafts" JSONB;
