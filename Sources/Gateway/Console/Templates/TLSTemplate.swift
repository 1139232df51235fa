extension ConsoleTemplates {
    static let tls = """
        {{<layout}}{{$content}}
        <h1>TLS certificate of the DICOM listener</h1>
        {{^configured}}<p class="banner warning">TLS is not configured: set tls.certificate_file and tls.key_file in the configuration to accept DICOM over TLS.</p>{{/configured}}
        {{#problem}}<p class="banner error">{{.}}</p>{{/problem}}
        {{#installed}}
        <section class="card">
          <h2>Installed certificate <span class="badge {{status.cls}}">{{status.label}}</span></h2>
          <dl class="facts">
            <dt>Subject</dt><dd>{{subject}}</dd>
            <dt>Issuer</dt><dd>{{issuer}}</dd>
            <dt>Valid from</dt><dd>{{notBefore}}</dd>
            <dt>Expires</dt><dd>{{notAfter}}</dd>
            <dt>SHA-256</dt><dd class="mono">{{fingerprint}}</dd>
            <dt>Chain</dt><dd>{{chainLength}} certificate(s), {{caCertificates}} trusted CA certificate(s)</dd>
          </dl>
        </section>
        {{/installed}}
        {{#canUpload}}
        <section class="card">
          <h2>Replace</h2>
          <p class="muted small">The files are checked first (the key must match the certificate, which must be valid now), then replaced and the listener reloaded without a restart.</p>
          <form method="post" action="/ui/tls" enctype="multipart/form-data" class="form-grid">
            <input type="hidden" name="csrf" value="{{chrome.csrf}}">
            <label>Certificate chain (PEM) <input type="file" name="certificate" accept=".pem,.crt,.cer" required>{{#errors.certificate}}<span class="field-error">{{.}}</span>{{/errors.certificate}}</label>
            <label>Private key (PEM) <input type="file" name="key" accept=".pem,.key" required>{{#errors.key}}<span class="field-error">{{.}}</span>{{/errors.key}}</label>
            <label>CA bundle (PEM, optional) <input type="file" name="ca" accept=".pem,.crt">{{#errors.ca}}<span class="field-error">{{.}}</span>{{/errors.ca}}</label>
            <div class="actions"><button>Install</button></div>
          </form>
        </section>
        {{/canUpload}}
        {{/content}}{{/layout}}
        """
}
