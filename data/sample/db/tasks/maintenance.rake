# Housekeeping tasks for the Parcel database, run from cron on the ops host:
#
#   bundle exec rake parcel:expire_sessions      # every 15 minutes
#   bundle exec rake parcel:orphaned_parts       # nightly, report only
#   bundle exec rake parcel:usage_snapshot       # daily at 23:55 UTC, feeds billing
#   bundle exec rake "parcel:purge_tenant[t_123]"  # on account deletion, after 30 days
require "logger"

namespace :parcel do
  LOG = Logger.new($stdout, progname: "parcel-rake")

  desc "Delete upload sessions that expired without being completed"
  task expire_sessions: :environment do
    expired = Upload.where(completed_at: nil).where("expires_at < ?", Time.now.utc)
    count = 0
    expired.find_each(batch_size: 500) do |upload|
      StorageClient.delete_prefix(upload.part_prefix)
      upload.parts.delete_all
      upload.destroy!
      count += 1
    end
    LOG.info("expired #{count} abandoned upload sessions")
  end

  desc "List part objects in storage that no upload session refers to"
  task orphaned_parts: :environment do
    known = Upload.where(completed_at: nil).pluck(:id).to_set
    orphans = StorageClient.list_prefix("t/").select do |key|
      key.include?("/u/") && !known.include?(key.split("/u/").last.split("/").first)
    end
    orphans.each { |key| puts key }
    LOG.warn("#{orphans.size} orphaned part objects (not deleted; review first)") if orphans.any?
  end

  desc "Record today's stored bytes per tenant for the monthly storage bill"
  task usage_snapshot: :environment do
    today = Date.current
    rows = FileRecord.where(deleted_at: nil).group(:tenant_id).sum(:size)
    UsageSnapshot.upsert_all(
      rows.map { |tenant_id, bytes| { tenant_id: tenant_id, day: today, bytes: bytes } },
      unique_by: %i[tenant_id day]
    )
    LOG.info("usage snapshot for #{today}: #{rows.size} tenants")
  end

  desc "Permanently delete all data of a closed tenant"
  task :purge_tenant, [:tenant_id] => :environment do |_task, args|
    tenant = Tenant.find(args.fetch(:tenant_id))
    abort "tenant #{tenant.id} is not closed" unless tenant.closed_at
    abort "tenant #{tenant.id} closed less than 30 days ago" if tenant.closed_at > 30.days.ago

    StorageClient.delete_prefix("t/#{tenant.id}/")
    ApiKey.where(tenant_id: tenant.id).delete_all
    FileRecord.where(tenant_id: tenant.id).delete_all
    tenant.update!(purged_at: Time.now.utc)
    LOG.info("purged tenant #{tenant.id}")
  end
end
