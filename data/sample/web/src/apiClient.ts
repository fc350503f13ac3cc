/**
 * Browser client for the Parcel v1 API, used by the upload widget and the
 * dashboard. Parts are sent with XMLHttpRequest rather than fetch() because
 * only XHR reports upload progress events.
 */

export interface UploadSession {
  id: string;
  part_size: number;
  expires_at: string;
}

export interface FileRecord {
  key: string;
  size: number;
  content_type: string;
  checksum: string;
  created_at: string;
}

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export type PartProgress = (loadedBytes: number) => void;

export interface ApiClientOptions {
  baseUrl: string;
  /** Short-lived browser token minted by your backend; never ship a pk_live_ key to a browser. */
  getToken: () => Promise<string>;
}

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.options.getToken();
    const response = await fetch(`${this.options.baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      const payload = await response.json().catch(() => ({}));
      throw new ApiError(
        response.status,
        payload?.error?.code ?? "unknown",
        payload?.error?.message ?? response.statusText,
      );
    }
    return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
  }

  createUpload(file: File): Promise<UploadSession> {
    return this.request("POST", "/v1/uploads", {
      name: file.name,
      size: file.size,
      content_type: file.type || "application/octet-stream",
    });
  }

  completeUpload(uploadId: string): Promise<FileRecord> {
    return this.request("POST", `/v1/uploads/${encodeURIComponent(uploadId)}/complete`);
  }

  getFile(fileId: string): Promise<FileRecord> {
    return this.request("GET", `/v1/files/${encodeURIComponent(fileId)}`);
  }

  deleteFile(fileId: string): Promise<void> {
    return this.request("DELETE", `/v1/files/${encodeURIComponent(fileId)}`);
  }

  thumbnailUrl(fileId: string, size: 128 | 512 | 1024): string {
    return `${this.options.baseUrl}/v1/files/${encodeURIComponent(fileId)}/thumbnails/${size}`;
  }

  /** PUT one part, reporting bytes sent so far through `onProgress`; abortable. */
  async uploadPart(
    uploadId: string,
    partNumber: number,
    blob: Blob,
    onProgress: PartProgress,
    signal?: AbortSignal,
  ): Promise<void> {
    const token = await this.options.getToken();
    await new Promise<void>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", `${this.options.baseUrl}/v1/uploads/${uploadId}/parts/${partNumber}`);
      xhr.setRequestHeader("Authorization", `Bearer ${token}`);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.upload.onprogress = (event) => onProgress(event.loaded);
      xhr.onload = () =>
        xhr.status < 300
          ? resolve()
          : reject(new ApiError(xhr.status, "part_failed", xhr.responseText));
      xhr.onerror = () => reject(new ApiError(0, "network", "network error"));
      signal?.addEventListener("abort", () => {
        xhr.abort();
        reject(new DOMException("Upload cancelled", "AbortError"));
      });
      xhr.send(blob);
    });
  }
}
