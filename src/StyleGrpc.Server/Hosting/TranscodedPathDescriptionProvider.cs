using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace StyleGrpc.Server.Hosting;

/// <summary>
/// Gives the transcoded routes' API descriptions their full paths (<see cref="TranscodedPath"/>) after
/// Microsoft.AspNetCore.Grpc.Swagger has made them, before the OpenAPI document is generated.
/// </summary>
internal sealed class TranscodedPathDescriptionProvider : IApiDescriptionProvider
{
    /// <summary>After Grpc.Swagger's provider (order -900).</summary>
    public int Order => -800;

    public void OnProvidersExecuting(ApiDescriptionProviderContext context)
    {
        foreach (var description in context.Results)
        {
            var rule = description.ActionDescriptor.EndpointMetadata?.OfType<GrpcJsonTranscodingMetadata>().FirstOrDefault()?.HttpRule;
            if (rule is null || TranscodedPath.Of(rule) is not { } path)
            {
                continue;
            }
            description.RelativePath = path.Path;
            foreach (var literal in description.ParameterDescriptions.Where(p => p.Source == BindingSource.Path && path.Literals.Contains(p.Name)).ToList())
            {
                description.ParameterDescriptions.Remove(literal);
            }
        }
    }

    public void OnProvidersExecuted(ApiDescriptionProviderContext context)
    {
    }
}
