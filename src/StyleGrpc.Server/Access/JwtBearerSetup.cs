using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace StyleGrpc.Server.Access;

/// <summary>
/// The JwtBearer scheme's options from the JWT settings in force (<see cref="AccessMonitor"/>; rebuilt when they reload):
/// where the signing keys come from, the audience, the issuer, the clock skew, and <see cref="JwtEvents"/>, which maps a
/// token to the caller and answers refusals like every other error. Inbound claims are not renamed: the settings name the
/// token's own claims.
/// </summary>
public sealed class JwtBearerSetup(AccessMonitor access) : IConfigureNamedOptions<JwtBearerOptions>
{
    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name != AccessRoles.JwtScheme)
        {
            return;
        }
        var jwt = access.Current.Jwt;
        options.EventsType = typeof(JwtEvents);
        options.MapInboundClaims = false;
        options.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        options.Audience = jwt.Audience;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAudience = jwt.Audience,
            ValidIssuer = string.IsNullOrWhiteSpace(jwt.Issuer) ? null : jwt.Issuer,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(jwt.ClockSkewSeconds),
        };
        if (!string.IsNullOrWhiteSpace(jwt.Authority))
        {
            options.Authority = jwt.Authority;
        }
        else if (!string.IsNullOrWhiteSpace(jwt.MetadataAddress))
        {
            options.MetadataAddress = jwt.MetadataAddress;
        }
        else if (!string.IsNullOrWhiteSpace(jwt.JwksUrl))
        {
            // No discovery document: the keys' own URL, read by the same caching manager JwtBearer makes for an Authority.
            var http = new HttpClient { Timeout = options.BackchannelTimeout, MaxResponseContentBufferSize = 1024 * 1024 };
            options.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(jwt.JwksUrl, new JwksRetriever(),
                new HttpDocumentRetriever(http) { RequireHttps = jwt.RequireHttpsMetadata })
            {
                RefreshInterval = options.RefreshInterval,
                AutomaticRefreshInterval = options.AutomaticRefreshInterval,
            };
        }
    }

    public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);
}
