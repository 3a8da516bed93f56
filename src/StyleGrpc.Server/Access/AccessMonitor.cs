using Microsoft.Extensions.Options;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Access;

/// <summary>
/// The access settings in force (<see cref="Current"/>), read through <see cref="IOptionsMonitor{TOptions}"/> so that an
/// edit of the settings (<c>appsettings.json</c>, <see cref="StyleGrpcServerOptions.KeysFile"/>) takes effect without a
/// restart. A reload is checked by the same rules as the start (<see cref="StyleGrpcServerOptionsValidator.ValidateAccess"/>);
/// one that fails them, or that would leave a closed server open (no keys left), is refused and logged, and the last good
/// settings stay in force.
/// </summary>
public sealed class AccessMonitor : IDisposable
{
    /// <summary>
    /// The name of the options instance read on every reload. The start validator skips it: the rules it needs are checked
    /// here, where a failure keeps the last good settings instead of failing every request.
    /// </summary>
    public const string OptionsName = "access";

    private readonly ILogger<AccessMonitor> logger;
    private readonly IDisposable? subscription;
    private AccessSnapshot current;

    public AccessMonitor(IOptionsMonitor<StyleGrpcServerOptions> options, ILogger<AccessMonitor> logger)
    {
        this.logger = logger;
        // The default instance passed every rule at start (ValidateOnStart); the access instance binds the same section.
        current = AccessSnapshot.From(options.Get(OptionsName));
        subscription = options.OnChange((o, name) =>
        {
            if (name == OptionsName)
            {
                Apply(o);
            }
        });
    }

    /// <summary>The access settings in force now.</summary>
    public AccessSnapshot Current => Volatile.Read(ref current);

    private void Apply(StyleGrpcServerOptions options)
    {
        var failures = StyleGrpcServerOptionsValidator.ValidateAccess(options);
        if (failures.Count > 0)
        {
            ServerLog.AccessReloadRefused(logger, string.Join("; ", failures));
            return;
        }
        var next = AccessSnapshot.From(options);
        if (next.IsOpen && !Current.IsOpen)
        {
            // A deleted or emptied settings file reads as "no keys": that must not open the server to anyone.
            ServerLog.AccessReloadRefused(logger, "it leaves no API keys: a server that needs keys opens to everyone only by a restart");
            return;
        }
        Volatile.Write(ref current, next);
        ServerLog.AccessReloaded(logger, next.Keys.Count);
    }

    public void Dispose() => subscription?.Dispose();
}
