-- CreateTable
CREATE TABLE "screening_list_sets" (
    "id" UUID NOT NULL,
    "content_hash" TEXT NOT NULL,
    "files" JSONB NOT NULL,
    "entry_counts" JSONB NOT NULL,
    "entry_count" INTEGER NOT NULL,
    "imported_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "screening_list_sets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "screening_list_entries" (
    "set_id" UUID NOT NULL,
    "entry_id" TEXT NOT NULL,
    "entry_hash" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "data" JSONB NOT NULL,

    CONSTRAINT "screening_list_entries_pkey" PRIMARY KEY ("set_id","entry_id")
);

-- CreateTable
CREATE TABLE "party_match_resolutions" (
    "id" UUID NOT NULL,
    "screening_id" UUID NOT NULL,
    "normalised_name" TEXT NOT NULL,
    "entry_id" TEXT NOT NULL,
    "entry_hash" TEXT NOT NULL,
    "list_set_id" UUID NOT NULL,
    "outcome" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "decided_by" TEXT NOT NULL,
    "decided_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "party_match_resolutions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "screening_list_sets_content_hash_key" ON "screening_list_sets"("content_hash");

-- CreateIndex
CREATE INDEX "screening_list_sets_activated_at_idx" ON "screening_list_sets"("activated_at");

-- CreateIndex
CREATE INDEX "party_match_resolutions_normalised_name_entry_id_entry_hash_idx" ON "party_match_resolutions"("normalised_name", "entry_id", "entry_hash");

-- CreateIndex
CREATE INDEX "party_match_resolutions_screening_id_idx" ON "party_match_resolutions"("screening_id");

-- AddForeignKey
ALTER TABLE "screening_list_entries" ADD CONSTRAINT "screening_list_entries_set_id_fkey" FOREIGN KEY ("set_id") REFERENCES "screening_list_sets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "party_match_resolutions" ADD CONSTRAINT "party_match_resolutions_screening_id_fkey" FOREIGN KEY ("screening_id") REFERENCES "screenings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "party_match_resolutions" ADD CONSTRAINT "party_match_resolutions_list_set_id_fkey" FOREIGN KEY ("list_set_id") REFERENCES "screening_list_sets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Hand-written (Prisma's schema has no CHECK constraints): the two outcomes compliance can give.
ALTER TABLE "party_match_resolutions" ADD CONSTRAINT "party_match_resolutions_outcome_check" CHECK ("outcome" IN ('confirmed', 'not_same_party'));

-- A list set is immutable once imported: its entries are never changed (a new import is a new set).
CREATE FUNCTION screening_list_entries_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'screening_list_entries are immutable: import the lists again to make a new set';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER screening_list_entries_no_update BEFORE UPDATE ON "screening_list_entries"
  FOR EACH ROW EXECUTE FUNCTION screening_list_entries_immutable();
