// hello answers every request with a fixed text: the smallest CGI program.
#include <unistd.h>

static const char response[] = "Content-Type: text/plain\n\nhello, world\n";

int main(void) {
	write(1, response, sizeof response - 1);
	return 0;
}
