/* A preopened listener (fd given in argv[1]): accept, recv, send,
 * shutdown. The host side connects, sends "ping", expects "pong:ping". */
#include "check.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
	CHECK(argc == 2);
	int l = atoi(argv[1]);
	struct pollfd p = {.fd = l, .events = POLLIN};
	CHECK(poll(&p, 1, 10000) == 1 && (p.revents & POLLIN) != 0);
	int c = accept(l, NULL, NULL);
	CHECK(c >= 0);
	char buf[64];
	ssize_t n = recv(c, buf, 4, MSG_WAITALL);
	CHECK(n == 4 && memcmp(buf, "ping", 4) == 0);
	memcpy(buf + 5, buf, 4);
	memcpy(buf, "pong:", 5);
	CHECK(send(c, buf, 9, 0) == 9);
	CHECK(shutdown(c, SHUT_WR) == 0);
	CHECK(recv(c, buf, sizeof buf, 0) == 0);
	CHECK(close(c) == 0);

	/* a second connection, read in non-blocking mode */
	c = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	CHECK(c >= 0);
	CHECK((fcntl(c, F_GETFL) & O_NONBLOCK) != 0);
	struct pollfd q = {.fd = c, .events = POLLIN};
	CHECK(poll(&q, 1, 10000) == 1);
	CHECK(read(c, buf, 3) == 3 && memcmp(buf, "abc", 3) == 0);
	CHECK_ERR(read(c, buf, sizeof buf), EAGAIN);
	CHECK(write(c, "done", 4) == 4);
	CHECK(close(c) == 0);
	CHECK_ERR(recv(1, buf, 1, 0), ENOTSOCK);
	printf("done\n");
	return 0;
}
