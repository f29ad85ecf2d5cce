-- AlterTable
ALTER TABLE "decisions" ADD COLUMN     "authorisation_issued_on" DATE,
ADD COLUMN     "authorisation_issuer" TEXT,
ADD COLUMN     "authorisation_issuer_name" TEXT,
ADD COLUMN     "authorisation_reference" TEXT;

-- An approval under authorisation carries its licence or authorisation: reference, issuer and
-- date of issue. Hand-written (Prisma's schema has no CHECK constraints); older rows and other
-- outcomes leave the columns empty.
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_authorisation_check" CHECK (
    "outcome" <> 'approve_under_authorisation'
    OR ("authorisation_reference" IS NOT NULL AND "authorisation_issuer" IS NOT NULL AND "authorisation_issued_on" IS NOT NULL)
);
