// WebhookSender.cs - delivers Parcel events (upload.completed, thumbnail.ready,
// file.deleted, scan.finished) to the HTTPS endpoints customers register.
//
// Every delivery is signed so the receiver can prove it came from Parcel and
// was not replayed: the Parcel-Signature header carries a timestamp and an
// HMAC-SHA256 of "<timestamp>.<raw body>" keyed with the endpoint's secret.
using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Parcel.Notifications
{
    public sealed record WebhookEndpoint(string Id, string TenantId, Uri Url, string Secret, bool Enabled);

    public sealed record WebhookEvent(string Id, string Type, DateTimeOffset CreatedAt, object Data);

    public enum DeliveryOutcome { Delivered, WillRetry, GaveUp, EndpointDisabled }

    public interface IDeliveryLog
    {
        Task RecordAsync(string endpointId, string eventId, int attempt, int? status, string? error);
        Task<int> ConsecutiveFailuresAsync(string endpointId);
        Task DisableEndpointAsync(string endpointId, string reason);
        Task ScheduleAsync(string endpointId, string eventId, int attempt, DateTimeOffset at);
    }

    public sealed class WebhookSender
    {
        // Delivery attempts spread over about a day: 1 min, 5 min, 30 min, 2 h, 6 h, 12 h.
        private static readonly TimeSpan[] Schedule =
        {
            TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30),
            TimeSpan.FromHours(2), TimeSpan.FromHours(6), TimeSpan.FromHours(12),
        };

        private const int DisableAfterConsecutiveFailures = 50;
        private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

        private readonly HttpClient _http;
        private readonly IDeliveryLog _log;
        private readonly ILogger<WebhookSender> _logger;
        private readonly Func<DateTimeOffset> _now;

        public WebhookSender(HttpClient http, IDeliveryLog log, ILogger<WebhookSender> logger,
                             Func<DateTimeOffset>? now = null)
        {
            _http = http;
            _http.Timeout = TimeSpan.FromSeconds(10);
            _log = log;
            _logger = logger;
            _now = now ?? (() => DateTimeOffset.UtcNow);
        }

        /// <summary>
        /// Computes the Parcel-Signature header value: "t=&lt;unix seconds&gt;,v1=&lt;hex hmac&gt;".
        /// Receivers recompute the HMAC over the same "t.body" string with their
        /// secret, compare in constant time, and reject timestamps older than 5 minutes.
        /// </summary>
        public static string Sign(string secret, long timestamp, string body)
        {
            using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
            var mac = hmac.ComputeHash(Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
            return $"t={timestamp},v1={Convert.ToHexString(mac).ToLowerInvariant()}";
        }

        /// <summary>Receiver-side check, shipped in our SDKs; kept here so both sides share tests.</summary>
        public static bool Verify(string secret, string header, string body, DateTimeOffset now, TimeSpan tolerance)
        {
            var parts = new Dictionary<string, string>();
            foreach (var item in header.Split(','))
            {
                var kv = item.Split('=', 2);
                if (kv.Length == 2) parts[kv[0].Trim()] = kv[1].Trim();
            }
            if (!parts.TryGetValue("t", out var t) || !long.TryParse(t, out var ts) || !parts.ContainsKey("v1"))
                return false;
            if ((now - DateTimeOffset.FromUnixTimeSeconds(ts)).Duration() > tolerance)
                return false;
            var expected = Encoding.ASCII.GetBytes(Sign(secret, ts, body));
            return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(header.Trim()));
        }

        public async Task<DeliveryOutcome> DeliverAsync(WebhookEndpoint endpoint, WebhookEvent evt, int attempt,
                                                        CancellationToken cancel = default)
        {
            if (!endpoint.Enabled)
                return DeliveryOutcome.EndpointDisabled;

            var body = JsonSerializer.Serialize(new { id = evt.Id, type = evt.Type, created_at = evt.CreatedAt, data = evt.Data }, Json);
            var timestamp = _now().ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Parcel-Signature", Sign(endpoint.Secret, timestamp, body));
            request.Headers.Add("Parcel-Event-Id", evt.Id);
            request.Headers.Add("Parcel-Event-Type", evt.Type);
            request.Headers.UserAgent.ParseAdd("Parcel-Webhooks/1.0");

            int? status = null;
            string? error = null;
            try
            {
                using var response = await _http.SendAsync(request, cancel);
                status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    await _log.RecordAsync(endpoint.Id, evt.Id, attempt, status, null);
                    return DeliveryOutcome.Delivered;
                }
                error = $"HTTP {status}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                error = ex.Message;
            }

            await _log.RecordAsync(endpoint.Id, evt.Id, attempt, status, error);
            _logger.LogWarning("Webhook {Event} to {Endpoint} failed (attempt {Attempt}): {Error}",
                               evt.Id, endpoint.Id, attempt, error);

            if (await _log.ConsecutiveFailuresAsync(endpoint.Id) >= DisableAfterConsecutiveFailures)
            {
                await _log.DisableEndpointAsync(endpoint.Id, "too many consecutive failures");
                return DeliveryOutcome.EndpointDisabled;
            }
            if (attempt > Schedule.Length)
                return DeliveryOutcome.GaveUp;

            await _log.ScheduleAsync(endpoint.Id, evt.Id, attempt + 1, _now() + Schedule[attempt - 1]);
            return DeliveryOutcome.WillRetry;
        }
    }
}
