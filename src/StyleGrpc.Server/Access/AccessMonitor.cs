using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Access;

/// <summary>
/// The access settings in force (<see cref="Current"/>), read through <see cref="IOptionsMonitor{TOptions}"/> so that an
/// edit of the settings (<c>appsettings.json</c>, <see cref="StyleGrpcServerOptions.KeysFile"/>) takes effect without a
/// restart. A reload is checked by the same rules as the start (<see cref="StyleGrpcServerOptionsValidator.ValidateAccess"/>);
/// one that fails them, or that would leave a closed server open (no keys left), is refused and logged, and the last good
/// settings stay in force. As the <see cref="IOptionsChangeTokenSource{TOptions}"/> of the JwtBearer scheme's options, it
/// has them rebuilt (<see cref="JwtBearerSetup"/>) once new JWT settings are in force.
/// </summary>
public sealed class AccessMonitor : IOptionsChangeTokenSource<JwtBearerOptions>, IDisposable
{
    /// <summary>
    /// The name of the options instance read on every reload. The start validator skips it: the rules it needs are checked
    /// here, where a failure keeps the last good settings instead of failing every request.
    /// </summary>
    public const string OptionsName = "access";

    private readonly ILogger<AccessMonitor> logger;
    private readonly IDisposable? subscription;
    private AccessSnapshot current;
    private CancellationTokenSource jwtChanged = new();

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

    /// <summary>The JwtBearer scheme's options, which follow the JWT settings in force.</summary>
    public string Name => AccessRoles.JwtScheme;

    /// <summary>Fires when new JWT settings are in force.</summary>
    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref jwtChanged).Token);

    private void Apply(StyleGrpcServerOptions options)
    {
        var failures = StyleGrpcServerOptionsValidator.ValidateAccess(options);
        if (failures.Count > 0)
        {
            ServerLog.AccessReloadRefused(logger, string.Join("; ", failures));
            return;
        }
        var next = AccessSnapshot.From(options);
        var previous = Current;
        if (next.IsOpen && !previous.IsOpen)
        {
            // A deleted or emptied settings file reads as "no keys": that must not open the server to anyone.
            ServerLog.AccessReloadRefused(logger, "it leaves no API keys and no JWT settings: a server that needs credentials opens to everyone only by a restart");
            return;
        }
        Volatile.Write(ref current, next);
        ServerLog.AccessReloaded(logger, next.Keys.Count, next.Jwt.Enabled ? next.Jwt.Authority + next.Jwt.MetadataAddress + next.Jwt.JwksUrl : "off");
        if (JsonSerializer.Serialize(next.Jwt) != JsonSerializer.Serialize(previous.Jwt))
        {
            // The JwtBearer options are rebuilt from the new settings (with a new metadata manager) on this signal.
            var fired = Interlocked.Exchange(ref jwtChanged, new CancellationTokenSource());
            try
            {
                fired.Cancel();
            }
            catch (AggregateException ex)
            {
                ServerLog.JwtOptionsFailed(logger, ex.InnerException ?? ex);
            }
            fired.Dispose();
        }
    }

    public void Dispose()
    {
        subscription?.Dispose();
        jwtChanged.Dispose();
    }
}
