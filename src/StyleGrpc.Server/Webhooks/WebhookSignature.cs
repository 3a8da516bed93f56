using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace StyleGrpc.Server.Webhooks;

/// <summary>
/// The <c>StyleGrpc-Signature</c> header, as Stripe signs: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "&lt;t&gt;.&lt;body&gt;"&gt;</c>
/// with <c>StyleGrpc:Webhooks:SigningSecret</c> (its UTF-8 bytes) as the key. The time in the signed text lets a receiver refuse replays.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "StyleGrpc-Signature";

    /// <summary>The header's value for <paramref name="body"/> sent at <paramref name="time"/>.</summary>
    public static string Of(string secret, DateTimeOffset time, ReadOnlySpan<byte> body)
    {
        var t = time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signed = new byte[t.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(t, signed);
        signed[t.Length] = (byte)'.';
        body.CopyTo(signed.AsSpan(t.Length + 1));
        return $"t={t},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed))}";
    }
}
