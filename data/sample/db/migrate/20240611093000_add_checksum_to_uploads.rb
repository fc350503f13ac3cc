# Adds a column holding each finished file's composite SHA-256 checksum.
#
# Until 2.3 the checksum was only returned to the client at completion time
# and never stored, so support could not answer "is the file we have the file
# you sent?". This migration adds `files.checksum_sha256`, backfills it from
# the parts table for files uploaded in the last 30 days (older parts have
# been pruned), and indexes it so duplicate uploads can be found.
#
# The column is added as nullable and the index is built CONCURRENTLY so the
# migration does not lock the files table on production (~400M rows).
class AddChecksumToUploads < ActiveRecord::Migration[7.1]
  disable_ddl_transaction!

  BACKFILL_BATCH = 10_000
  BACKFILL_WINDOW = 30.days

  def up
    add_column :files, :checksum_sha256, :string, limit: 64, null: true
    add_column :files, :checksum_parts, :integer, null: true
    add_index :files, %i[tenant_id checksum_sha256],
              name: "index_files_on_tenant_and_checksum",
              algorithm: :concurrently,
              where: "checksum_sha256 IS NOT NULL"

    backfill
  end

  def down
    remove_index :files, name: "index_files_on_tenant_and_checksum", algorithm: :concurrently
    remove_column :files, :checksum_parts
    remove_column :files, :checksum_sha256
  end

  private

  # Recompute the composite digest from the stored part checksums, in batches,
  # so that no single statement holds row locks for long.
  def backfill
    cutoff = BACKFILL_WINDOW.ago
    last_id = 0
    loop do
      ids = select_values(<<~SQL)
        SELECT id FROM files
         WHERE id > #{last_id} AND created_at >= #{quote(cutoff)} AND checksum_sha256 IS NULL
         ORDER BY id LIMIT #{BACKFILL_BATCH}
      SQL
      break if ids.empty?

      execute(<<~SQL)
        UPDATE files f
           SET checksum_sha256 = agg.digest, checksum_parts = agg.parts
          FROM (
            SELECT p.upload_id,
                   encode(sha256(string_agg(decode(substr(p.checksum, 8), 'base64'), '' ORDER BY p.number)), 'hex') AS digest,
                   count(*) AS parts
              FROM upload_parts p
             WHERE p.upload_id IN (#{ids.join(',')})
             GROUP BY p.upload_id
          ) agg
         WHERE f.id = agg.upload_id
      SQL
      last_id = ids.last
      say "backfilled checksums up to files.id #{last_id}", true
    end
  end
end
