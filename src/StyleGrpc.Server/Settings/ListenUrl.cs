using System.Net;

namespace StyleGrpc.Server.Settings;

/// <summary>A plain-HTTP listen address in a setting (<c>StyleGrpc:Http:Url</c>, <c>StyleGrpc:Metrics:Url</c>); empty switches it off.</summary>
public static class ListenUrl
{
    /// <summary>What such a setting must hold, for messages.</summary>
    public const string Rule = "an http:// address with an IP (or localhost, 0.0.0.0, *, +, [::]) and a port, or empty";

    /// <summary>The address to listen on; null when <paramref name="url"/> is empty. False when it is not <see cref="Rule"/>.</summary>
    public static bool TryParse(string? url, out IPEndPoint? endpoint)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            return true;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            return false;
        }
        IPAddress? address = uri.Host switch
        {
            "localhost" => IPAddress.Loopback,
            "0.0.0.0" or "*" or "+" => IPAddress.Any,
            "[::]" => IPAddress.IPv6Any,
            var host => IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? ip : null,
        };
        endpoint = address is null ? null : new IPEndPoint(address, uri.Port);
        return address is not null;
    }

    /// <summary>The address of a validated setting; null when it is empty.</summary>
    public static IPEndPoint? Parse(string? url) =>
        TryParse(url, out var endpoint) ? endpoint : throw new FormatException($"'{url}' is not {Rule}");
}
