extern alias server;

using server::StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Tests;

/// <summary>Settings are checked once, at start: a bad one stops the real process naming it; every accepted spelling binds.</summary>
[Collection(ServerCollection.Name)]
public sealed class SettingsValidationTests
{
    [Theory]
    [InlineData("StyleGrpc:Precision", "bf17", "auto, float32, bfloat16")]
    [InlineData("StyleGrpc:Device", "tpu", "auto, cpu, cuda")]
    [InlineData("StyleGrpc:Store", "mongo", "file, redis")]
    [InlineData("StyleGrpc:QueueCapacity", "-1", "between 0 and")]
    [InlineData("StyleGrpc:MemoryBudgetShare", "1.5", "between 0.05 and 1")]
    [InlineData("StyleGrpc:Video:FlowScale", "0", "between 0.05 and 1")]
    [InlineData("StyleGrpc:Video:UploadRetentionSeconds", "10", "between 60 and 604800")]
    [InlineData("StyleGrpc:Video:MaxBytes", "2147483648", "between 1024 and 1073741824")]
    [InlineData("StyleGrpc:Keys:0:Sha256", "ba30f59c2ec033f40fcd0f8dc89c9765a4d4ed51ee5140e915a8b3ccd2b43986", "published example key 'change-me-admin'")]
    [InlineData("StyleGrpc:KeysFile", "/nonexistent/stylegrpc-keys.json", "does not exist")]
    [InlineData("StyleGrpc:BlobDirectory", "/tmp/stylegrpc-blobs-of-a-file-store", "is for StyleGrpc:Store redis")]
    [InlineData("StyleGrpc:Http:CorsOrigins:0", "https://app.example.com/", "no trailing slash")]
    [InlineData("StyleGrpc:Webhooks:AllowedUrls:0", "hooks.example.com", "must be an absolute http(s) URL prefix")]
    public async Task Start_BadSetting_ExitsAtOnceNamingTheSettingAndWhatItAllows(string setting, string value, string allowed)
    {
        await using var server = ServerProcess.Start(new Dictionary<string, string?> { [setting] = value });
        await server.WaitForExitAsync(TimeSpan.FromSeconds(10));
        var output = string.Join('\n', server.Output);
        Assert.NotEqual(0, server.ExitCode);
        var line = server.Output.FirstOrDefault(l => l.Contains(setting, StringComparison.Ordinal));
        Assert.True(line is not null, output);
        Assert.Contains(allowed, line, StringComparison.Ordinal);
        Assert.Contains(value, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DefaultWebhookUrlOutsideTheAllowedPrefixes_ExitsAtOnceNamingTheSetting()
    {
        await using var server = ServerProcess.Start(new Dictionary<string, string?>
        {
            ["StyleGrpc:Webhooks:AllowedUrls:0"] = "https://hooks.example.com/",
            ["StyleGrpc:Webhooks:SigningSecret"] = "test-signing-secret-0123456789",
            ["StyleGrpc:Webhooks:Defaults:0:Caller"] = "jwt:https://login.example.com/|alice",
            ["StyleGrpc:Webhooks:Defaults:0:Url"] = "https://elsewhere.example.com/alice",
        });
        await server.WaitForExitAsync(TimeSpan.FromSeconds(10));
        var output = string.Join('\n', server.Output);
        Assert.NotEqual(0, server.ExitCode);
        var line = server.Output.FirstOrDefault(l => l.Contains("StyleGrpc:Webhooks:Defaults:0:Url", StringComparison.Ordinal));
        Assert.True(line is not null, output);
        Assert.Contains("('https://elsewhere.example.com/alice') must be an absolute http(s) URL starting with one of StyleGrpc:Webhooks:AllowedUrls", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Device", "gpu", nameof(DeviceSetting.Cuda))]
    [InlineData("Device", "CPU", nameof(DeviceSetting.Cpu))]
    [InlineData("Device", "", nameof(DeviceSetting.Auto))]
    [InlineData("Precision", "fp32", nameof(PrecisionSetting.Float32))]
    [InlineData("Precision", "bf16", nameof(PrecisionSetting.BFloat16))]
    [InlineData("Precision", "bfloat16", nameof(PrecisionSetting.BFloat16))]
    [InlineData("Precision", "Auto", nameof(PrecisionSetting.Auto))]
    [InlineData("Store", "REDIS", nameof(StoreSetting.Redis))]
    public void Bind_EverySpellingAcceptedBefore_StillBinds(string setting, string value, string expected)
    {
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"StyleGrpc:{setting}"] = value })
            .Build().GetSection(StyleGrpcServerOptions.Section);
        var bound = section.Get<StyleGrpcServerOptions>()!;
        Assert.Equal(expected, typeof(StyleGrpcServerOptions).GetProperty(setting)!.GetValue(bound)!.ToString());
    }

    [Fact]
    public void Validate_Defaults_Succeed_AndEachFailureNamesItsSetting()
    {
        var validator = new StyleGrpcServerOptionsValidator();
        Assert.True(validator.Validate(null, new StyleGrpcServerOptions()).Succeeded);

        var bad = new StyleGrpcServerOptions { ConcurrentJobs = 0, BufferedPreviews = 0, MaxProgressFramesPerSecond = 0, Store = StoreSetting.Redis };
        bad.Http.Url = "ftp://example";
        var failures = validator.Validate(null, bad).Failures!.ToList();
        foreach (var setting in new[] { "StyleGrpc:ConcurrentJobs", "StyleGrpc:BufferedPreviews", "StyleGrpc:MaxProgressFramesPerSecond", "StyleGrpc:Redis", "StyleGrpc:Http:Url" })
        {
            Assert.Contains(failures, f => f.StartsWith(setting + " must", StringComparison.Ordinal));
        }
        Assert.Equal(5, failures.Count);
    }

    [Fact]
    public void Validate_JwtSettings_EachFailureNamesItsSetting()
    {
        var validator = new StyleGrpcServerOptionsValidator();
        string[] Failures(Action<JwtOptions> set)
        {
            var o = new StyleGrpcServerOptions();
            set(o.Jwt);
            return validator.Validate(null, o).Failures?.ToArray() ?? [];
        }

        Assert.Empty(Failures(j => (j.Authority, j.Audience) = ("https://login.microsoftonline.com/tenant/v2.0", "api://stylegrpc")));
        Assert.Empty(Failures(j => (j.JwksUrl, j.Issuer, j.Audience) = ("https://idp.example/jwks", "https://idp.example", "api://stylegrpc")));
        Assert.StartsWith("StyleGrpc:Jwt:Audience must be set", Assert.Single(Failures(j => j.Authority = "https://idp.example")));
        Assert.StartsWith("StyleGrpc:Jwt:Audience is set ('api://stylegrpc') but JWT is off", Assert.Single(Failures(j => j.Audience = "api://stylegrpc")));
        Assert.StartsWith("StyleGrpc:Jwt:Issuer must be set with StyleGrpc:Jwt:JwksUrl",
            Assert.Single(Failures(j => (j.JwksUrl, j.Audience) = ("https://idp.example/jwks", "a"))));
        Assert.Contains("RequireHttpsMetadata=false", Assert.Single(Failures(j => (j.Authority, j.Audience) = ("http://keycloak:8080/realms/r", "a"))));
        Assert.Empty(Failures(j => (j.Authority, j.Audience, j.RequireHttpsMetadata) = ("http://keycloak:8080/realms/r", "a", false)));
        Assert.StartsWith("StyleGrpc:Jwt:Authority and StyleGrpc:Jwt:JwksUrl are both set",
            Assert.Single(Failures(j => (j.Authority, j.JwksUrl, j.Issuer, j.Audience) = ("https://idp.example", "https://idp.example/jwks", "i", "a"))));
        Assert.Equal(2, Failures(j => (j.Authority, j.Audience, j.ClockSkewSeconds, j.RoleClaim) = ("https://idp.example", "a", 601, "")).Length);
    }

    [Fact]
    public void Validate_TrainingSettings_EachFailureNamesItsSetting()
    {
        var validator = new StyleGrpcServerOptionsValidator();
        var bad = new StyleGrpcServerOptions();
        bad.Training.ContentDirectory = Path.Combine(TestData.NewTempDirectory(), "missing");
        bad.Training.MaxBatchSize = 2;
        bad.Training.BatchSize = 4;
        bad.Training.ImageSize = 32;

        var failures = validator.Validate(null, bad).Failures!.ToList();

        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("StyleGrpc:Training:ContentDirectory must be an existing folder", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StyleGrpc:Training:BatchSize must be between 1 and 2, not 4", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StyleGrpc:Training:ImageSize must be between 64 and 512, not 32", StringComparison.Ordinal));
        bad.Training.ContentDirectory = TrainingPhotosFolder.Create();
        bad.Training.BatchSize = 2;
        bad.Training.ImageSize = 64;
        Assert.True(validator.Validate(null, bad).Succeeded);
    }

    [Theory]
    [InlineData("https://app.example.com")]
    [InlineData("http://127.0.0.1:5173")]
    [InlineData("http://[::1]:3000")]
    [InlineData("HTTPS://App.Example.com")]
    public void Validate_CorsOrigin_AsBrowsersSendIt_Succeeds(string origin)
    {
        var o = new StyleGrpcServerOptions();
        o.Http.CorsOrigins = [origin, "https://other.example"];
        Assert.True(new StyleGrpcServerOptionsValidator().Validate(null, o).Succeeded);
    }

    [Theory]
    [InlineData("https://app.example.com/", "no trailing slash")]
    [InlineData("https://app.example.com/app", "no path")]
    [InlineData("https://app.example.com:443", "port if not the default")]
    [InlineData("ftp://app.example.com", "an origin as browsers send it")]
    [InlineData("app.example.com", "an origin as browsers send it")]
    [InlineData("https://user@app.example.com", "an origin as browsers send it")]
    [InlineData("https://*.example.com", "an origin as browsers send it")]
    [InlineData("", "an origin as browsers send it")]
    public void Validate_CorsOrigin_NotAnOrigin_FailsNamingTheEntry(string origin, string allowed)
    {
        var o = new StyleGrpcServerOptions();
        o.Http.CorsOrigins = ["https://ok.example", origin];
        var failure = Assert.Single(new StyleGrpcServerOptionsValidator().Validate(null, o).Failures!);
        Assert.StartsWith("StyleGrpc:Http:CorsOrigins:1 must be", failure);
        Assert.Contains(allowed, failure, StringComparison.Ordinal);
        Assert.EndsWith($"not '{origin}'", failure);
    }

    [Fact]
    public void Validate_CorsOriginAny_OnlyAlone()
    {
        var o = new StyleGrpcServerOptions();
        var validator = new StyleGrpcServerOptionsValidator();
        o.Http.CorsOrigins = ["*"];
        Assert.True(validator.Validate(null, o).Succeeded);
        o.Http.CorsOrigins = ["https://app.example.com", "*"];
        Assert.StartsWith("StyleGrpc:Http:CorsOrigins:1 is * (any origin), which must be the only entry", Assert.Single(validator.Validate(null, o).Failures!));
    }
}
