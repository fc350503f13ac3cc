package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3 keeps parts as ordinary objects and assembles them with server-side
// UploadPartCopy, so the bytes of a large file never travel through parceld
// twice. Works with AWS S3 and S3-compatible stores (set Endpoint and
// ForcePathStyle for MinIO).
type S3 struct {
	client *s3.Client
	bucket string
	prefix string
	class  types.StorageClass
}

func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.Region))
	if err != nil {
		return nil, fmt.Errorf("load AWS credentials: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.ForcePathStyle
	})
	class := types.StorageClassStandard
	if cfg.StorageClass != "" {
		class = types.StorageClass(cfg.StorageClass)
	}
	return &S3{client: client, bucket: cfg.Bucket, prefix: cfg.Prefix, class: class}, nil
}

func (s *S3) key(k string) string { return path.Join(s.prefix, k) }

func (s *S3) PutPart(ctx context.Context, key string, body io.Reader, size int64) error {
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(s.key(key)),
		Body:          body,
		ContentLength: aws.Int64(size),
	})
	return err
}

// Assemble lists the parts and stitches them together with a multipart copy.
func (s *S3) Assemble(ctx context.Context, tenantID, uploadID string) (Object, error) {
	final := ObjectKey(tenantID, uploadID)
	if obj, err := s.Stat(ctx, final); err == nil {
		return obj, nil
	}
	partPrefix := s.key(strings.TrimSuffix(PartKey(tenantID, uploadID, 0), "00000"))
	listed, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket), Prefix: aws.String(partPrefix),
	})
	if err != nil {
		return Object{}, err
	}
	if len(listed.Contents) == 0 {
		return Object{}, ErrMissingParts
	}
	keys := make([]string, 0, len(listed.Contents))
	for _, o := range listed.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	sort.Strings(keys)

	created, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(s.bucket), Key: aws.String(s.key(final)), StorageClass: s.class,
	})
	if err != nil {
		return Object{}, err
	}
	completed := make([]types.CompletedPart, 0, len(keys))
	for i, k := range keys {
		out, err := s.client.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
			Bucket:     aws.String(s.bucket),
			Key:        aws.String(s.key(final)),
			UploadId:   created.UploadId,
			PartNumber: aws.Int32(int32(i + 1)),
			CopySource: aws.String(s.bucket + "/" + k),
		})
		if err != nil {
			_, _ = s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
				Bucket: aws.String(s.bucket), Key: aws.String(s.key(final)), UploadId: created.UploadId})
			return Object{}, err
		}
		completed = append(completed, types.CompletedPart{ETag: out.CopyPartResult.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(s.bucket), Key: aws.String(s.key(final)), UploadId: created.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
	})
	if err != nil {
		return Object{}, err
	}
	for _, k := range keys {
		_, _ = s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(k)})
	}
	return s.Stat(ctx, final)
}

func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key))})
	var missing *types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return out.Body, nil
}

func (s *S3) Stat(ctx context.Context, key string) (Object, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key))})
	var missing *types.NotFound
	if errors.As(err, &missing) {
		return Object{}, ErrNotFound
	}
	if err != nil {
		return Object{}, err
	}
	return Object{Key: key, Size: aws.ToInt64(out.ContentLength), ContentType: aws.ToString(out.ContentType),
		Checksum: aws.ToString(out.ChecksumSHA256), CreatedAt: aws.ToTime(out.LastModified)}, nil
}

func (s *S3) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key))})
	return err
}
