/**
 * <UploadWidget/>: a drop zone that uploads files to Parcel and shows a
 * progress bar per file, with a cancel button and an error message per row.
 *
 *   <UploadWidget client={client} maxFiles={10} onUploaded={(f) => addToGallery(f)} />
 */
import React, { useCallback, useRef, useState } from "react";

import { ApiClient, ApiError, FileRecord } from "./apiClient";

type Status = "queued" | "uploading" | "done" | "failed" | "cancelled";

interface Row {
  id: string;
  file: File;
  sentBytes: number;
  status: Status;
  error?: string;
}

export interface UploadWidgetProps {
  client: ApiClient;
  maxFiles?: number;
  accept?: string;
  onUploaded?: (record: FileRecord) => void;
}

function formatBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/**
 * The progress bar shown under each file while it uploads: the fill's width
 * follows the fraction of bytes sent, the label shows percent and sizes, and
 * screen readers get the same numbers through aria values.
 */
export function ProgressBar({ sent, total, status }: { sent: number; total: number; status: Status }) {
  const percent = total === 0 ? 100 : Math.min(100, Math.round((sent / total) * 100));
  return (
    <div
      className={`parcel-progress parcel-progress--${status}`}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-label="Upload progress"
    >
      <div className="parcel-progress__fill" style={{ width: `${percent}%` }} />
      <span className="parcel-progress__label">
        {percent}% · {formatBytes(sent)} of {formatBytes(total)}
      </span>
    </div>
  );
}

export function UploadWidget({ client, maxFiles = 20, accept, onUploaded }: UploadWidgetProps) {
  const [rows, setRows] = useState<Row[]>([]);
  const [dragging, setDragging] = useState(false);
  const controllers = useRef(new Map<string, AbortController>());

  const update = useCallback((id: string, patch: Partial<Row>) => {
    setRows((current) => current.map((row) => (row.id === id ? { ...row, ...patch } : row)));
  }, []);

  const uploadOne = useCallback(
    async (row: Row) => {
      const controller = new AbortController();
      controllers.current.set(row.id, controller);
      update(row.id, { status: "uploading" });
      try {
        const session = await client.createUpload(row.file);
        let confirmed = 0; // bytes of parts the server has accepted
        for (let offset = 0, n = 1; offset < row.file.size; offset += session.part_size, n++) {
          const blob = row.file.slice(offset, offset + session.part_size);
          await client.uploadPart(
            session.id,
            n,
            blob,
            (loaded) => update(row.id, { sentBytes: confirmed + loaded }),
            controller.signal,
          );
          confirmed += blob.size;
          update(row.id, { sentBytes: confirmed });
        }
        const record = await client.completeUpload(session.id);
        update(row.id, { status: "done", sentBytes: row.file.size });
        onUploaded?.(record);
      } catch (err) {
        if (err instanceof DOMException && err.name === "AbortError") {
          update(row.id, { status: "cancelled" });
        } else {
          const message = err instanceof ApiError ? `${err.code}: ${err.message}` : String(err);
          update(row.id, { status: "failed", error: message });
        }
      } finally {
        controllers.current.delete(row.id);
      }
    },
    [client, onUploaded, update],
  );

  const addFiles = useCallback(
    (files: FileList | File[]) => {
      const fresh = Array.from(files)
        .slice(0, Math.max(0, maxFiles - rows.length))
        .map((file) => ({ id: crypto.randomUUID(), file, sentBytes: 0, status: "queued" as Status }));
      setRows((current) => [...current, ...fresh]);
      fresh.forEach((row) => void uploadOne(row));
    },
    [maxFiles, rows.length, uploadOne],
  );

  const cancel = (id: string) => controllers.current.get(id)?.abort();

  return (
    <div
      className={`parcel-dropzone${dragging ? " parcel-dropzone--active" : ""}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        addFiles(e.dataTransfer.files);
      }}
    >
      <label className="parcel-dropzone__prompt">
        Drop files here or <u>browse</u>
        <input type="file" multiple accept={accept} hidden onChange={(e) => e.target.files && addFiles(e.target.files)} />
      </label>
      <ul className="parcel-uploads">
        {rows.map((row) => (
          <li key={row.id} className="parcel-uploads__row">
            <span className="parcel-uploads__name">{row.file.name}</span>
            <ProgressBar sent={row.sentBytes} total={row.file.size} status={row.status} />
            {row.status === "uploading" && (
              <button type="button" onClick={() => cancel(row.id)} aria-label={`Cancel ${row.file.name}`}>
                Cancel
              </button>
            )}
            {row.error && <span className="parcel-uploads__error">{row.error}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}

export default UploadWidget;
