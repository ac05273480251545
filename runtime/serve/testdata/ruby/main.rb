# main.rb: a CGI script; the CRuby WASI build runs it for each request.
require "json"
body = $stdin.read
print "Content-Type: application/json\r\n\r\n"
puts JSON.generate({
  ruby: RUBY_VERSION,
  method: ENV["REQUEST_METHOD"],
  path: ENV["PATH_INFO"],
  query: ENV["QUERY_STRING"],
  body_bytes: body.bytesize,
})
$stdout.flush # Ruby's VM is not torn down after the script: flush by hand
