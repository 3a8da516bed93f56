using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.OpenApi.Extensions;
using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.Swagger;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace StyleGrpc.Server.Hosting;

/// <summary>
/// The OpenAPI 3 description of the HTTP+JSON face, generated from the transcoded gRPC routes (Microsoft.AspNetCore.Grpc.Swagger)
/// with the proto comments as descriptions, served as <c>GET /openapi.json</c> on the HTTP port.
/// </summary>
internal static class OpenApiDocument
{
    /// <summary>The route the document is served at.</summary>
    public const string Path = "/openapi.json";

    private const string Name = "v1";

    /// <summary>Registers the generator: transcoded routes as API descriptions, the proto comments from the assembly's XML file.</summary>
    public static void AddOpenApiDocument(this IServiceCollection services)
    {
        services.AddGrpcSwagger();
        services.TryAddEnumerable(ServiceDescriptor.Transient<IApiDescriptionProvider, TranscodedPathDescriptionProvider>());
        services.AddSwaggerGen(o =>
        {
            o.OperationFilter<TranscodedPathOperationFilter>();
            o.SwaggerDoc(Name, new OpenApiInfo
            {
                Title = "StyleGrpc HTTP+JSON",
                Version = Name,
                Description = "The gRPC contract stylegrpc.v1 transcoded to HTTP+JSON (protobuf JSON mapping); see docs/http.md.",
            });
            // protoc copies the proto comments into the generated C# as XML docs; the compiler writes them next to the assembly.
            var xml = System.IO.Path.ChangeExtension(typeof(OpenApiDocument).Assembly.Location, ".xml");
            if (File.Exists(xml))
            {
                o.IncludeGrpcXmlComments(xml, includeControllerXmlComments: true);
            }
        });
    }

    /// <summary>Writes the document as OpenAPI 3 JSON.</summary>
    public static async Task WriteAsync(HttpContext context)
    {
        var document = context.RequestServices.GetRequiredService<ISwaggerProvider>().GetSwagger(Name);
        var json = document.SerializeAsJson(Microsoft.OpenApi.OpenApiSpecVersion.OpenApi3_0);
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(json, context.RequestAborted);
    }
}
