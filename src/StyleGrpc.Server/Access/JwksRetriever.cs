using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace StyleGrpc.Server.Access;

/// <summary>
/// Reads a bare JWKS (<c>StyleGrpc:Jwt:JwksUrl</c>) as the configuration JwtBearer expects from a discovery document: its
/// signing keys, no issuer (the settings name it). Used through IdentityModel's <c>ConfigurationManager</c>, which caches the
/// keys, refreshes them every 12 hours, and in the background (at most every 5 minutes after the first time) when a token's
/// signature does not verify with them.
/// </summary>
public sealed class JwksRetriever : IConfigurationRetriever<OpenIdConnectConfiguration>
{
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
    {
        var document = await retriever.GetDocumentAsync(address, cancel).ConfigureAwait(false);
        var configuration = new OpenIdConnectConfiguration { JwksUri = address, JsonWebKeySet = new JsonWebKeySet(document) };
        foreach (var key in configuration.JsonWebKeySet.GetSigningKeys())
        {
            configuration.SigningKeys.Add(key);
        }
        return configuration;
    }
}
