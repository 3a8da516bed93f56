namespace StyleGrpc.Server.Access;

/// <summary>Role and policy names. An admin key holds both roles.</summary>
public static class AccessRoles
{
    public const string Admin = "admin";

    public const string User = "user";

    /// <summary>The authentication scheme of API keys.</summary>
    public const string Scheme = "ApiKey";

    /// <summary>The authentication scheme of JWT bearer tokens (ASP.NET Core's JwtBearer).</summary>
    public const string JwtScheme = "Bearer";

    /// <summary>The default scheme: forwards each request to <see cref="Scheme"/> or <see cref="JwtScheme"/> (<see cref="SchemeSelector"/>).</summary>
    public const string CallerScheme = "Caller";

    /// <summary>Caller ID of requests when the server has no keys and no JWT settings.</summary>
    public const string Anonymous = "anonymous";
}
