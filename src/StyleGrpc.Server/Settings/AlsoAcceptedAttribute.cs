namespace StyleGrpc.Server.Settings;

/// <summary>Other spellings a setting's choice is read from (older names that keep working), besides its own name.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class AlsoAcceptedAttribute(params string[] spellings) : Attribute
{
    public IReadOnlyList<string> Spellings { get; } = spellings;
}
