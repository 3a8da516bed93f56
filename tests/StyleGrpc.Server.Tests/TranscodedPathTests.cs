extern alias server;

using server::StyleGrpc.Server.Hosting;

namespace StyleGrpc.Server.Tests;

/// <summary>HTTP rule templates as OpenAPI paths, including google.longrunning.Operations' (whose routes may not be mapped).</summary>
public sealed class TranscodedPathTests
{
    [Theory]
    [InlineData("/v1/styles", "v1/styles")]
    [InlineData("/v1/stylize:submit", "v1/stylize:submit")]
    [InlineData("/v1/{name=styles/*}", "v1/styles/{name}")]
    [InlineData("/v1/{name=styles/*}/image", "v1/styles/{name}/image")]
    [InlineData("/v1/{name=operations/*}:watch", "v1/operations/{name}:watch")]
    [InlineData("/v1/{name=operations/**}", "v1/operations/{name}")]
    [InlineData("/v1/{name=operations/**}:cancel", "v1/operations/{name}:cancel")]
    [InlineData("/v1/{name}", "v1/{name}")]
    public void Parse_Template_GivesTheFullPath(string template, string path) => Assert.Equal(path, TranscodedPath.Parse(template).Path);

    [Fact]
    public void Parse_ResourceNameVariable_IsAParameterWithItsTemplate()
    {
        var path = TranscodedPath.Parse("/v1/{name=operations/**}:cancel");

        Assert.Equal("operations/**", path.Wildcards["name"]);
        Assert.Empty(path.Literals);
    }

    [Fact]
    public void Parse_VariableWithoutWildcard_IsALiteralNotAParameter()
    {
        // ListOperations: GET /v1/{name=operations}.
        var path = TranscodedPath.Parse("/v1/{name=operations}");

        Assert.Equal("v1/operations", path.Path);
        Assert.Equal(["name"], path.Literals);
        Assert.Empty(path.Wildcards);
    }

    [Fact]
    public void Parse_TwoWildcardsInOneVariable_KeepsTheVariable()
    {
        var path = TranscodedPath.Parse("/v1/{name=projects/*/styles/*}");

        Assert.Equal("v1/{name}", path.Path);
        Assert.Empty(path.Wildcards);
    }
}
