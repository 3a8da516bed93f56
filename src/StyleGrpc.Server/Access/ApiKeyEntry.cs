namespace StyleGrpc.Server.Access;

/// <summary>One accepted API key, as configured under <c>StyleGrpc:Keys:{n}</c>. The key itself is never stored.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes (<c>stylegrpc keys new</c> prints it).</summary>
    public string Sha256 { get; set; } = "";

    /// <summary><c>admin</c> (register, replace, delete, and everything a user may) or <c>user</c> (stylize, get, list, info).</summary>
    public string Role { get; set; } = "";
}
