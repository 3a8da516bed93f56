namespace StyleGrpc.Server.Settings;

/// <summary>
/// JWT bearer callers, <c>StyleGrpc:Jwt</c>: tokens (OAuth 2.0 access tokens) of one identity provider (Entra ID, Keycloak,
/// Auth0, …), beside API keys. Off while none of <see cref="Authority"/>, <see cref="MetadataAddress"/>, <see cref="JwksUrl"/>
/// is set. Reloads without a restart, like the keys.
/// </summary>
public sealed class JwtOptions
{
    /// <summary>
    /// The issuer's URL; its discovery document is <c>{Authority}/.well-known/openid-configuration</c>, which names the issuer
    /// and the signing keys (JWKS). E.g. <c>https://login.microsoftonline.com/{tenant}/v2.0</c>,
    /// <c>https://keycloak.example.com/realms/{realm}</c>, <c>https://{tenant}.auth0.com/</c>. Default empty.
    /// </summary>
    public string Authority { get; set; } = "";

    /// <summary>The discovery document's URL, when it is not under <see cref="Authority"/>. Default empty.</summary>
    public string MetadataAddress { get; set; } = "";

    /// <summary>The signing keys' URL (a JWKS), for a provider without a discovery document; needs <see cref="Issuer"/>. Default empty.</summary>
    public string JwksUrl { get; set; } = "";

    /// <summary>The <c>aud</c> a token must carry: this API's identifier at the provider (e.g. <c>api://stylegrpc</c>, a client ID). Required when JWT is on.</summary>
    public string Audience { get; set; } = "";

    /// <summary>The <c>iss</c> a token must carry. Empty (the default): the issuer the discovery document names.</summary>
    public string Issuer { get; set; } = "";

    /// <summary>
    /// The claim whose value identifies the caller (per-caller limits, operations scoped to the caller). Default <c>sub</c>;
    /// with Entra ID, <c>oid</c> is the same user across applications.
    /// </summary>
    public string SubjectClaim { get; set; } = "sub";

    /// <summary>
    /// The claim holding the caller's roles: a name (<c>roles</c>, Entra ID's app roles; <c>https://stylegrpc/roles</c>, an Auth0
    /// namespaced claim; <c>scope</c>, space-separated) or a dotted path into nested objects (<c>realm_access.roles</c>,
    /// Keycloak's realm roles). A list of strings or one string of space-separated values. Default <c>roles</c>.
    /// </summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>Values of <see cref="RoleClaim"/> that make the caller an admin (and a user). Empty (the default): <c>admin</c>.</summary>
    public List<string> AdminRoles { get; set; } = [];

    /// <summary>
    /// Values of <see cref="RoleClaim"/> that make the caller a user. Empty (the default): <c>user</c>. A token with none of
    /// the admin or user values is refused (PERMISSION_DENIED).
    /// </summary>
    public List<string> UserRoles { get; set; } = [];

    /// <summary>Whether the discovery document and the keys must come over HTTPS. Default true; false only for a provider on a trusted network or in tests.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Tolerance for the clocks of the provider and this server when checking <c>exp</c> and <c>nbf</c>, in seconds. Default 60; 0–600.</summary>
    public int ClockSkewSeconds { get; set; } = 60;

    /// <summary>True when a source of signing keys is set: JWT callers are accepted.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(MetadataAddress) || !string.IsNullOrWhiteSpace(JwksUrl);

    /// <summary>The admin values in force (<see cref="AdminRoles"/>, or <c>admin</c>).</summary>
    public IReadOnlyList<string> AdminValues => AdminRoles.Count > 0 ? AdminRoles : [Access.AccessRoles.Admin];

    /// <summary>The user values in force (<see cref="UserRoles"/>, or <c>user</c>).</summary>
    public IReadOnlyList<string> UserValues => UserRoles.Count > 0 ? UserRoles : [Access.AccessRoles.User];
}
