extern alias server;

using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using server::StyleGrpc.Server.Access;
using server::StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Tests;

/// <summary>How the API-key handler reads the authorization header, without a server: the handler on a bare HTTP context.</summary>
public sealed class ApiKeyAuthenticationHandlerTests
{
    private const string UserKey = "user-key-9876543210";
    private const string AdminKey = "admin-key-0123456789";

    private static async Task<AuthenticateResult> AuthenticateAsync(string? header, params (string Key, string Role)[] keys)
    {
        var options = new StyleGrpcServerOptions
        {
            Keys = [.. keys.Select(k => new ApiKeyEntry { Sha256 = TestKeys.Sha256(k.Key), Role = k.Role })],
        };
        var access = new AccessMonitor(new FixedOptions<StyleGrpcServerOptions>(options), NullLogger<AccessMonitor>.Instance);
        var handler = new ApiKeyAuthenticationHandler(new FixedOptions<AuthenticationSchemeOptions>(new()), NullLoggerFactory.Instance, UrlEncoder.Default, access);
        var context = new DefaultHttpContext();
        if (header is not null)
        {
            context.Request.Headers.Authorization = header;
        }
        await handler.InitializeAsync(new AuthenticationScheme(AccessRoles.Scheme, null, typeof(ApiKeyAuthenticationHandler)), context);
        return await handler.AuthenticateAsync();
    }

    [Theory]
    [InlineData("Bearer " + UserKey)]
    [InlineData("bEARER " + UserKey)]
    [InlineData("BEARER " + UserKey)]
    public async Task Authenticate_ExactKeyWithAnyCaseOfTheScheme_IsTheKeysCallerWithItsRole(string header)
    {
        var result = await AuthenticateAsync(header, (AdminKey, AccessRoles.Admin), (UserKey, AccessRoles.User));

        Assert.True(result.Succeeded, result.Failure?.Message);
        var principal = result.Principal!;
        Assert.Equal(ApiKeyAuthenticationHandler.CallerId(TestKeys.Sha256(UserKey)), principal.FindFirstValue(ClaimTypes.NameIdentifier));
        Assert.Equal([AccessRoles.User], principal.FindAll(ClaimTypes.Role).Select(c => c.Value));
        Assert.Equal(AccessRoles.Scheme, result.Ticket!.AuthenticationScheme);
    }

    [Fact]
    public async Task Authenticate_AdminKey_HasBothRoles()
    {
        var result = await AuthenticateAsync("Bearer " + AdminKey, (AdminKey, AccessRoles.Admin), (UserKey, AccessRoles.User));

        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.Equal([AccessRoles.Admin, AccessRoles.User], result.Principal!.FindAll(ClaimTypes.Role).Select(c => c.Value));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task Authenticate_NoHeader_IsNoResultSoTheCallIsChallenged(string? header)
    {
        var result = await AuthenticateAsync(header, (UserKey, AccessRoles.User));

        Assert.True(result.None);
    }

    [Theory]
    [InlineData("Bearer " + UserKey + " ", "the API key is not valid")]
    [InlineData("Bearer  " + UserKey, "the API key is not valid")]
    [InlineData("Bearer " + "user-key-9876543211", "the API key is not valid")]
    [InlineData("Bearer " + "USER-KEY-9876543210", "the API key is not valid")]
    [InlineData("Bearer ", "the API key is not valid")]
    [InlineData("Basic " + UserKey, "the authorization header must be 'Bearer <key>'")]
    [InlineData("Bearer" + UserKey, "the authorization header must be 'Bearer <key>'")]
    [InlineData(UserKey, "the authorization header must be 'Bearer <key>'")]
    [InlineData(" Bearer " + UserKey, "the authorization header must be 'Bearer <key>'")]
    public async Task Authenticate_AnythingButTheExactKey_FailsSayingWhy(string header, string message)
    {
        var result = await AuthenticateAsync(header, (AdminKey, AccessRoles.Admin), (UserKey, AccessRoles.User));

        Assert.False(result.Succeeded);
        Assert.Equal(message, result.Failure?.Message);
    }

    [Theory]
    [InlineData("Bearer wrong-key", "API_KEY_INVALID")]
    [InlineData("Basic " + UserKey, "CREDENTIALS_MISSING")]
    [InlineData("Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln", "TOKEN_INVALID")]
    public async Task Authenticate_Refused_CarriesTheErrorInfoReason(string header, string reason)
    {
        var result = await AuthenticateAsync(header, (UserKey, AccessRoles.User));

        Assert.Equal(reason, Assert.IsType<CredentialsRejectedException>(result.Failure).Reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer anything")]
    [InlineData("garbage")]
    public async Task Authenticate_NoKeysConfigured_EveryCallerIsTheAnonymousAdmin(string? header)
    {
        var result = await AuthenticateAsync(header);

        Assert.True(result.Succeeded);
        Assert.Equal(AccessRoles.Anonymous, result.Principal!.FindFirstValue(ClaimTypes.NameIdentifier));
        Assert.Equal([AccessRoles.Admin, AccessRoles.User], result.Principal.FindAll(ClaimTypes.Role).Select(c => c.Value));
    }

    private sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue { get; } = value;

        public T Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
