namespace StyleGrpc.Server.Access;

/// <summary>Role and policy names. An admin key holds both roles.</summary>
public static class AccessRoles
{
    public const string Admin = "admin";

    public const string User = "user";

    /// <summary>The authentication scheme of API keys.</summary>
    public const string Scheme = "ApiKey";

    /// <summary>Caller ID of requests when the server has no keys.</summary>
    public const string Anonymous = "anonymous";
}
